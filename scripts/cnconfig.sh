# cnconfig.sh - the skeleton of a cn=config (slapd.d) as LDIF, shared by
# scripts/node.sh and the tests' harness (sourced, POSIX sh).
#
# ts_cnconfig PIDFILE OTHERS "MODULE..." [SCHEMA.ldif...]
#   prints cn=config, the module list (back_mdb and the like from
#   /usr/lib/ldap, or paths), cn=schema with core, cosine, inetorgperson
#   and the given schema files, the frontend, and the config database,
#   which root over ldapi (SASL EXTERNAL) manages and OTHERS ("none" or
#   "break") fall through to.  The config database's entry is left open
#   (no blank line after it) so that the caller can add attributes such as
#   olcRootDN; the caller ends it with an empty line.
ts_cnconfig() {
	_pid=$1 _others=$2 _mods=$3
	shift 3
	printf 'dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: %s\n\n' "$_pid"
	printf 'dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\nolcModulePath: /usr/lib/ldap\n'
	for _m in $_mods; do
		printf 'olcModuleLoad: %s\n' "$_m"
	done
	printf '\ndn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n'
	for _s in /etc/ldap/schema/core.ldif /etc/ldap/schema/cosine.ldif \
	    /etc/ldap/schema/inetorgperson.ldif "$@"; do
		cat "$_s"; echo
	done
	cat <<LDIF
dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * $_others
LDIF
}
