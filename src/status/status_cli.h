/*
 * status_cli.h — `pilotlight status`: serve the status page, post and
 * resolve incident notices, print the page's content.
 */
#ifndef PL_STATUS_STATUS_CLI_H
#define PL_STATUS_STATUS_CLI_H

int status_main(int argc, char **argv);

#endif
