unset a b
c=inner
echo ${a:-${b:-$c}}
echo "${a:-"quoted default"}"
