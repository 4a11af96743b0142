echo pre$(echo mid)post
echo "a$(echo ' b ')c"
