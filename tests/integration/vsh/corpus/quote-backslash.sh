echo a\ b \$x \\ \' \"
echo foo\
bar
