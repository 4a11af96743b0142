cmd='echo evaluated'
eval $cmd
eval "x=5; echo \$x"
name=var1
eval "$name=dynamic"
echo $var1
