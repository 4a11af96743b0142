x=abc
echo ${x#a}#${#x}
