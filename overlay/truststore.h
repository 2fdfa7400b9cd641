/* truststore.h - state shared by the truststore overlay's files */
/*
 * Owned by the overlay core (truststore.c and its write/read hooks).  The
 * exporter (ts_export.c) reads the export settings and keeps its own state
 * behind ti_export.
 */
#ifndef TRUSTSTORE_H
#define TRUSTSTORE_H

#include "tscert.h"

typedef struct truststore_info {
	BerVarray	ti_bases;	/* normalized bases; NULL = suffix */
	struct ts_policy ti_policy;
	int		ti_refuse_duplicates;
	int		ti_expiring_days;
	char		*ti_export_dir;		/* truststore-export-dir */
	char		*ti_export_bundle;	/* truststore-export-bundle */
	void		*ti_export;		/* ts_export.c's private state */
} truststore_info;

#include "ts_export.h"

#endif /* TRUSTSTORE_H */
