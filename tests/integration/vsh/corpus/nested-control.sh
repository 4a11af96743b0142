for i in 1 2; do
  case $i in
    1) while true; do echo loop$i; break; done ;;
    2) if [ $i = 2 ]; then echo if$i; fi ;;
  esac
done
