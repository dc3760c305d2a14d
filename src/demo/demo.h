/*
 * demo.h — `pilotlight demo`.
 */
#ifndef PL_DEMO_DEMO_H
#define PL_DEMO_DEMO_H

int demo_main(int argc, char **argv);

#endif
