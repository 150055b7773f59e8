package web

// ACDAdmin is what the queue and agent pages and /api/queues, /api/agents
// need from the ACD. (To be filled in with the administration pages.)
type ACDAdmin interface{}

// acdAdminRoutes adds the queue and agent administration pages and API.
func (s *Server) acdAdminRoutes(add addRoute) {}
