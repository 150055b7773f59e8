package web

// deskMessages are the strings of the agent desktop; see messages.
var deskMessages = map[string]map[string]string{
	"zh": {},
	"en": {},
}
