package web

// acdAdminMessages are the strings of the queue and agent administration
// pages; see messages.
var acdAdminMessages = map[string]map[string]string{
	"zh": {},
	"en": {},
}
