package web

// messages is every string the panel shows, by language and key, merged from
// the catalogue of each part of the panel (each in its own file, so that a
// page and its strings change together). Both languages have the same keys
// and no key is in two catalogues (tests check). Keys starting with "done_"
// are flash messages named by ?done= after a form; "role_" keys name roles;
// "msg_" keys are errors.
var messages = mergeCatalogues(catalogues...)

// catalogues are the package's message catalogues, each a file's.
var catalogues = []map[string]map[string]string{panelMessages, liveMessages, acdAdminMessages, deskMessages, failureMessages, auditMessages, limitsMessages, securityMessages, recordsMessages, traceImportMessages}

// mergeCatalogues joins catalogues language by language; a later catalogue's
// key replaces an earlier one's, which TestCataloguesDisjoint forbids.
func mergeCatalogues(cats ...map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range cats {
		for lang, m := range c {
			if out[lang] == nil {
				out[lang] = map[string]string{}
			}
			for k, v := range m {
				out[lang][k] = v
			}
		}
	}
	return out
}
