// libcurl from Debian's libcurl4-openssl-dev (curl.h includes easy.h and multi.h).
#include <curl/curl.h>
