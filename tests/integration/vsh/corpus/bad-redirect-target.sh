echo x > /no/such/dir/file
echo "status $?"
