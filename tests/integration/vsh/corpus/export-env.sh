export EXP=1
unset EXP
echo "[${EXP:-}]"
export A=1 B=2
echo $A $B
