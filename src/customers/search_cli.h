/*
 * search_cli.h — `pilotlight search`: maintenance of a tenant's customer
 * search index (顧客検索).
 */
#ifndef PL_CUSTOMERS_SEARCH_CLI_H
#define PL_CUSTOMERS_SEARCH_CLI_H

/*
 * argv starts at the command after "search" (rebuild). Returns the exit
 * code: 0 done, 1 failure, 2 bad usage.
 */
int search_main(int argc, char **argv);

#endif
