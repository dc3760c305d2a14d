/*
 * simulate.h — `pilotlight simulate`: realistic monitoring devices for
 * demos and benchmarks (simulate.c has the design).
 */
#ifndef PL_MONITOR_SIMULATE_H
#define PL_MONITOR_SIMULATE_H

/* `pilotlight simulate` entry point (argv without the subcommand). */
int simulate_main(int argc, char **argv);

#include <stddef.h>

/*
 * For `pilotlight demo`, before serve starts: mosquitto (when installed),
 * `pilotlight ingest` forwarding to 127.0.0.1:serve_port and `pilotlight
 * simulate`, as children that die with the demo (simulate_demo.c). The
 * internal token file serve must use goes into token_path ("" when it
 * could not be made: then nothing was started).
 */
void simulate_demo_start(const char *data, int serve_port, char *token_path,
                         size_t cap);

#endif
