s=x e=
unset u
echo "[${s+alt}] [${s:+alt}] [${e+alt}] [${e:+alt}] [${u+alt}]"
