eval 'if true'
echo after
