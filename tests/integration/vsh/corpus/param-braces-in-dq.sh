x=val
echo "${x}text${x:+alt}${unset_var:-dflt}"
