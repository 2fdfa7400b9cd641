/* ts_export.c - materialise the store as files (stub until implemented) */
#include "portable.h"
#include "slap.h"
#include "truststore.h"

int
truststore_export_open( BackendDB *be, struct truststore_info *ti )
{
	return 0;
}

void
truststore_export_close( BackendDB *be, struct truststore_info *ti )
{
}

void
truststore_export_changed( Operation *op, struct truststore_info *ti,
	struct berval *old_der, struct berval *new_der,
	struct berval *old_alias, struct berval *new_alias )
{
}
