a=2
echo $(( $((a*3)) + $(echo 4) ))
echo $(((a+1)*(a+2)))
