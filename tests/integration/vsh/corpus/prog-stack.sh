stack=
push() { stack="$1 $stack"; }
pop() { set -- $stack; top=$1; shift; stack="$*"; }
for x in a b c; do push $x; done
pop; echo "popped $top"
pop; echo "popped $top"
echo "left: $stack"
