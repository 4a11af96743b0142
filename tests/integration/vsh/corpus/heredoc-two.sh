f() { read a; read b <&3; echo "$a $b"; }
f <<ONE 3<<TWO
first
ONE
second
TWO
