unset u
echo ${u=first} $u
e=
echo ${e:=filled} $e
echo ${e:=again} $e
