x=$(echo a # a comment with a ) in it
)
echo "$x"
y=$(echo b#c)
echo $y
