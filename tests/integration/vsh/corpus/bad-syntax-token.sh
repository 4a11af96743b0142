echo ok
echo a ;; echo b
