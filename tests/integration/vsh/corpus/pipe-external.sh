/bin/true | /bin/true; echo $?
echo ignored | /bin/true; echo $?
