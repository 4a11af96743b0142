x=world
echo "hello $x" "a  b" "\$x" "\\" "\`" "q\"q"
echo "a\b" "tab\there"
