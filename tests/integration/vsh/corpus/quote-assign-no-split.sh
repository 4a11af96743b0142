a="x   y"
b=$a
echo "$b"
c=$a$a
echo "$c"
