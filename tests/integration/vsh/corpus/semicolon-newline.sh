echo a; echo b
if true
then
echo c
fi
while false
do
:
done
echo d
