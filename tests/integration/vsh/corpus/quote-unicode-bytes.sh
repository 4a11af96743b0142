x='caf''e'
echo "${#x}" "$x"
