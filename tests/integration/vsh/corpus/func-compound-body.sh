f() ( x=sub; echo $x )
x=main
f
echo $x
g() if true; then echo if-body; fi
g
