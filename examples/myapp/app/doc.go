// Package app is a small gorilla/mux service used as the example target for
// apiload's load tests. It mirrors a real service: a health check, bearer-token
// login, an authenticated profile endpoint, a task queue and a server-sent
// event stream, all backed by in-memory state that belongs to one [Router].
//
// A load test builds a fresh handler per test and drives it in-process:
//
//	func TestHealthLoad(t *testing.T) {
//		h := app.Router()
//		res := loadtesting.Run(t, h, loadtesting.Config{Path: "/health/", Requests: 500})
//		loadassert.ErrorRateBelow(t, res, 0.01)
//	}
//
// Routes (every route has a mux name, so route discovery can Walk the router):
//
//	health         GET  /health/
//	auth.login     POST /api/v1/auth/login
//	users.me       GET  /api/v1/users/me                (Authorization: Bearer <token>)
//	tasks.status   GET  /api/v1/tasks/status/{task_id} ("queued", "done" 2s after enqueue, or "unknown")
//	tasks.enqueue  POST /api/v1/tasks/enqueue
//	events.worker  GET  /events/worker/stream[?count=N] (text/event-stream)
//
// Every response except the event stream is JSON. Errors have the shape
// {"error":"<reason>"}; a wrong method gets 405 and an unknown path 404.
// The users subrouter sits behind bearer-token middleware (RequireAuth).
// The task store keeps the latest 10000 tasks, so long load tests run in
// bounded memory; older task ids report "unknown".
package app
