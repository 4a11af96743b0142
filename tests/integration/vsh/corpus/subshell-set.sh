set -- a b
(set -- x; echo $#)
echo $#
(set -u)
echo ${unset_ok:-still-fine}
