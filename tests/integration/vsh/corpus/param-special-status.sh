true; echo $?
false; echo $?
(exit 42); echo $?
