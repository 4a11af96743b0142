for x in a 'b c' d; do echo "[$x]"; done
for x in; do echo never; done
echo done
