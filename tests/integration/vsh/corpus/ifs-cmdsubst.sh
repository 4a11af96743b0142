set -- $(echo 'x  y
z')
echo $#
