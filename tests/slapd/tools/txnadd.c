/*
 * txnadd.c - one add inside an LDAP transaction (RFC 5805), for t048:
 *   txnadd URI BINDDN PASSWORD DN CN DERFILE
 * prints "queue RC TEXT" for the add and "end RC TEXT" for the commit,
 * exit 0 when it got that far.  The ldap tools have no transaction option.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	static char buf[65536];
	struct berval cred, *txnid = NULL, der, *derv[2], oc, *ocv[2], cn,
	    *cnv[2];
	LDAPMod m_oc, m_cn, m_der, *mods[4];
	LDAPControl spec, *ctrls[2];
	LDAPMessage *res = NULL;
	LDAP *ld = NULL;
	FILE *f;
	char *text = NULL;
	int v = LDAP_VERSION3, rc, err, msgid;

	if (argc != 7 || (f = fopen(argv[6], "rb")) == NULL)
		return 2;
	der.bv_len = fread(buf, 1, sizeof(buf), f);
	der.bv_val = buf;
	fclose(f);
	if (ldap_initialize(&ld, argv[1]) != LDAP_SUCCESS)
		return 2;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v);
	cred.bv_val = argv[3];
	cred.bv_len = strlen(argv[3]);
	if (ldap_sasl_bind_s(ld, argv[2], LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL) != LDAP_SUCCESS || ldap_txn_start_s(ld, NULL, NULL,
	    &txnid) != LDAP_SUCCESS)
		return 2;

	spec.ldctl_oid = LDAP_CONTROL_TXN_SPEC;
	spec.ldctl_value = *txnid;
	spec.ldctl_iscritical = 1;
	ctrls[0] = &spec;
	ctrls[1] = NULL;
	oc.bv_val = "tsCertificate";
	oc.bv_len = strlen(oc.bv_val);
	ocv[0] = &oc; ocv[1] = NULL;
	cn.bv_val = argv[5];
	cn.bv_len = strlen(argv[5]);
	cnv[0] = &cn; cnv[1] = NULL;
	derv[0] = &der; derv[1] = NULL;
	m_oc.mod_op = m_cn.mod_op = m_der.mod_op = LDAP_MOD_ADD |
	    LDAP_MOD_BVALUES;
	m_oc.mod_type = "objectClass";
	m_oc.mod_bvalues = ocv;
	m_cn.mod_type = "cn";
	m_cn.mod_bvalues = cnv;
	m_der.mod_type = "userCertificate;binary";
	m_der.mod_bvalues = derv;
	mods[0] = &m_oc; mods[1] = &m_cn; mods[2] = &m_der; mods[3] = NULL;

	if (ldap_add_ext(ld, argv[4], mods, ctrls, NULL, &msgid) !=
	    LDAP_SUCCESS || ldap_result(ld, msgid, LDAP_MSG_ALL, NULL,
	    &res) <= 0 || ldap_parse_result(ld, res, &err, NULL, &text, NULL,
	    NULL, 1) != LDAP_SUCCESS)
		return 2;
	printf("queue %d %s\n", err, text ? text : "");
	ldap_memfree(text);
	text = NULL;
	rc = ldap_txn_end_s(ld, 1, txnid, NULL, NULL, NULL);
	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text);
	printf("end %d %s\n", rc, text ? text : "");
	ldap_memfree(text);
	ber_bvfree(txnid);
	ldap_unbind_ext(ld, NULL, NULL);
	return 0;
}
