// Package crm keeps the hotline's customers: the callers the agents know, with
// their phone numbers, name, class, company, address and notes. The agent
// desktop (web) shows the customer in the screen pop and lets an agent add a
// new caller; the IVR asks Priority when it queues a call, so that VIP callers
// are served first. Persistence is store's (store.Customer); this package owns
// the rules: what a valid customer is and how phone numbers are compared.
//
// # Numbers
//
// ParseNumber turns a number as typed or as a trunk delivers it into one
// canonical form, so that a customer saved as "138 0013 8000" is found when
// 13800138000, +8613800138000, 008613800138000 or 013800138000 (a mobile
// dialled with the trunk prefix) calls: full-width digits become ASCII,
// spaces, dashes, dots and brackets go, China's +86 / 0086 goes, and a 0 before
// a mobile number goes. Other international numbers keep their +. What is
// left must be 3 to 20 digits; a caller number that does not parse (hidden,
// "anonymous") simply finds nobody.
//
// # Classes and priority
//
// A customer is of class normal or vip. Priority returns Config.VIPPriority
// (default 10) for a VIP caller and 0 for anyone else; the ACD serves callers
// by priority first. Priority never fails: a store error counts as 0 and is
// logged, so a damaged customer record cannot keep a caller out of the queue.
//
// # Concurrency
//
// A Book is safe for concurrent use; each operation is one store transaction.
// Create and Update check that no number belongs to another customer in the
// same transaction that writes, so two agents adding the same caller at once
// cannot both succeed.
//
// # Testing
//
// New(storetest.Open(t), Config{}) gives a Book over a real store.
// FuzzParseNumber and FuzzInput feed the parsers arbitrary input.
package crm
