x=`echo hi`
echo $x "`echo a  b`" `echo c  d`
echo `echo \`echo nested\``
