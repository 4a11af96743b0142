x=hello e=
echo ${#x} ${#e} ${#nothere}
set -- a b c
echo ${#}
