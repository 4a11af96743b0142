HOME=/home/test
echo ~ ~/sub "~" x~
a=~/path
echo $a
