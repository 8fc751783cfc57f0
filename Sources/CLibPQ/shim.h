#ifndef AIDLEDGER_CLIBPQ_SHIM_H
#define AIDLEDGER_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
