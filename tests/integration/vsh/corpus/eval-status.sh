eval false; echo $?
eval; echo $?
eval 'exit 6'
