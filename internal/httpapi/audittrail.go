package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/ids"
)

// auditNote is what a handler adds to its request's audit record: a more precise operation than the
// route's (a withdrawal is a cancel or a decline, a sign-in's step), and on the sign-in endpoints who
// tried to sign in and what the attempt came to.
type auditNote struct {
	operation string
	signIn    audit.SignIn
	clientID  string
	userID    *int64
	userEmail *string
}

type auditKeyType struct{}

var auditKey auditKeyType

func setAuditOperation(ctx context.Context, operation string) {
	if n, ok := ctx.Value(auditKey).(*auditNote); ok {
		n.operation = operation
	}
}

func noteClient(ctx context.Context, clientID string) {
	if n, ok := ctx.Value(auditKey).(*auditNote); ok {
		n.clientID = clientID
	}
}

func noteSignIn(ctx context.Context, operation, email string, userID int64) {
	n, ok := ctx.Value(auditKey).(*auditNote)
	if !ok {
		return
	}
	n.operation = operation
	if email != "" {
		n.userEmail = &email
	}
	if userID != 0 {
		n.userID = &userID
	}
}

// noteSignInOutcome says what the request's sign-in attempt came to (audit.SignIn says when each
// applies); a sign-in request that never says counts as neither.
func noteSignInOutcome(ctx context.Context, outcome audit.SignIn) {
	if n, ok := ctx.Value(auditKey).(*auditNote); ok {
		n.signIn = outcome
	}
}

const (
	organisationsPrefix = "/api/v1/organisations/"
	tokenPath           = "/api/oauth/token"
	signInPagePath      = pagesPath + "/login"
	maxAuditedPath      = 2048
	// auditWait bounds how long a request waits to queue its audit record, which it does only when the
	// trail's queue is full: the writer stores hundreds of records a statement, so a full queue means
	// the database is down or far behind, and waiting longer would only hold the answer back. Past it
	// the record is logged instead.
	auditWait = 250 * time.Millisecond
)

// orgScope tells whether a path names an organisation, and which.
func orgScope(path string) (int64, bool) {
	rest, ok := strings.CutPrefix(path, organisationsPrefix)
	if !ok {
		return 0, false
	}
	idPart, _, _ := strings.Cut(rest, "/")
	id, err := ids.Parse(idPart)
	if err != nil {
		return 0, false
	}
	return id, true
}

// auditedMethods are the methods recorded as they are; any other (Go's server takes any token as a
// method, "-2+3+cmd|calc!A0" included) is recorded as "OTHER", so a client cannot write what it likes
// into a trail.
var auditedMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

func auditedMethod(m string) string {
	if auditedMethods[m] {
		return m
	}
	return "OTHER"
}

// Anonymous requests (no valid token) in an organisation's scope are recorded only for an organisation
// that exists, and at most anonymousAuditRate a second (bursts of anonymousAuditBurst) per organisation,
// so nobody without an account can flood a trail. Requests with a valid token are always recorded.
const (
	anonymousAuditRate  = 1
	anonymousAuditBurst = 20
)

// recordAnonymous says whether an anonymous request in the organisation's scope is recorded.
func (s *Server) recordAnonymous(ctx context.Context, orgID int64) bool {
	if _, err := s.Orgs.ByID(ctx, orgID); err != nil {
		return false // no such organisation, or the database cannot say: nothing to protect there
	}
	ok, _ := s.anonymousAudit.Allow(ids.Format(orgID))
	return ok
}

// auditTrail records every request whose path names an organisation, the creation of each
// organisation (in the new organisation's trail), every sign-in attempt (the token endpoint, the
// sign-in page's form) and every MFA change or step, after the response is decided, whatever its
// status. Each record carries the action of its method, the category of its operation's spec tag and
// the operation's name (audit.Record). The record is queued (audit.Service writes it off the request's
// path); a record that cannot be written is logged; it never changes the answer.
func (s *Server) auditTrail(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		path := req.URL.Path
		orgID, scoped := orgScope(path)
		signIn := req.Method == http.MethodPost && (path == tokenPath || path == signInPagePath)
		creation := path == strings.TrimSuffix(organisationsPrefix, "/") && req.Method == http.MethodPost
		mfaEvent := mfaChange(req.Method, path)
		if !scoped && !signIn && !creation && !mfaEvent {
			return next(c)
		}
		note := &auditNote{}
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), auditKey, note)))
		if err := next(c); err != nil {
			c.Error(err)
		}
		if creation {
			// Only a created organisation (200 with its Location) has a trail to start; refusals name none.
			if orgID, scoped = orgScope(c.Response().Header().Get(echo.HeaderLocation)); !scoped || c.Response().Status != http.StatusOK {
				return nil
			}
		}
		if len(path) > maxAuditedPath {
			path = path[:maxAuditedPath]
		}
		path = storableText(path)
		method := auditedMethod(req.Method)
		rec := audit.Record{Method: method, Path: path, Status: c.Response().Status, RemoteAddress: c.RealIP(),
			Action: audit.ActionOf(method), Category: audit.CategoryOther, Operation: audit.OperationUnknown}
		// No operation (404, 405): the path is the client's text, so nothing of it becomes a category.
		if op := s.ops.of(c); op != nil {
			rec.Category, rec.Operation = op.category, op.id
		}
		v, authenticated := stateFrom(req.Context()).verified()
		if authenticated {
			p := *v
			rec.UserID, rec.UserEmail, rec.ClientID = &p.UserID, &p.Email, &p.ClientID
		}
		switch {
		case scoped:
			if !authenticated && !creation && !s.recordAnonymous(context.WithoutCancel(req.Context()), orgID) {
				return nil
			}
			rec.OrganisationID = &orgID
		case mfaEvent:
			if !authenticated && note.userID != nil { // a page's step: the handler names the user
				rec.UserID, rec.UserEmail = note.userID, note.userEmail
			}
		default: // a sign-in attempt
			if path == tokenPath {
				rec.Operation = audit.OperationToken // unless the grant says which sign-in it is
			}
			if note.clientID != "" {
				id := storableText(note.clientID)
				rec.ClientID = &id
			} else if id, _, ok := req.BasicAuth(); ok {
				if v, err := url.QueryUnescape(id); err == nil {
					id = v
				}
				id = storableText(id)
				rec.ClientID = &id
			}
			rec.UserID, rec.UserEmail = note.userID, note.userEmail
			if rec.UserEmail != nil {
				e := storableText(*rec.UserEmail)
				rec.UserEmail = &e
			}
		}
		if note.operation != "" {
			rec.Operation = note.operation
		}
		rec.SignIn = note.signIn
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), auditWait)
		defer cancel()
		if err := s.Audit.Add(ctx, rec); err != nil {
			loggerFrom(ctx, s.log).Error("audit record not written", "error", err.Error(), "path", path, "status", rec.Status)
		}
		return nil
	}
}

// mfaChange: the request changes a user's MFA, or is the second step of a sign-in: the caller's own
// (/api/v1/users/me/mfa, but not reading it), an administrator's (PUT /api/v1/users/{userId}), the
// code page's form and the set-up page's form. Audited in the platform's trail, with no organisation.
func mfaChange(method, path string) bool {
	const users = "/api/v1/users/"
	switch {
	case path == users+"me/mfa":
		return method != http.MethodGet
	case path == pagesPath+"/login/mfa", path == pagesPath+"/mfa/setup":
		return method == http.MethodPost
	case method == http.MethodPut && strings.HasPrefix(path, users):
		rest := path[len(users):]
		return rest != "me" && rest != "" && !strings.Contains(rest, "/")
	}
	return false
}

// ListAuditRecords implements gen.StrictServerInterface.
func (s *Server) ListAuditRecords(ctx context.Context, req gen.ListAuditRecordsRequestObject) (gen.ListAuditRecordsResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	order := gen.ListAuditRecordsParamsOrderByASC // oldest first unless asked otherwise (the documented default of every list)
	if p.OrderBy != nil {
		order = *p.OrderBy
	}
	page, err := s.Audit.List(ctx, c.orgID, listQuery(p.Limit, p.Offset, &order, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListAuditRecords200JSONResponse(pageOut(page, auditOut)), nil
}

// exportDay is the documented format of the export's startTime and endTime.
const exportDay = "02/01/2006"

// ExportAuditReport implements gen.StrictServerInterface.
func (s *Server) ExportAuditReport(ctx context.Context, req gen.ExportAuditReportRequestObject) (gen.ExportAuditReportResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	f := audit.Filter{OrganisationID: c.orgID}
	format := gen.Csv
	if b := req.Body; b != nil {
		bad := newProblem(http.StatusBadRequest, "")
		bad.title = validationTitle
		for _, d := range []struct {
			field string
			value *string
			into  **time.Time
			shift time.Duration
		}{{"startTime", b.StartTime, &f.From, 0}, {"endTime", b.EndTime, &f.Until, 24 * time.Hour}} {
			if d.value == nil || *d.value == "" {
				continue
			}
			t, err := time.Parse(exportDay, *d.value)
			if err != nil {
				bad.fields = append(bad.fields, gen.FieldError{Field: d.field, Message: "not a day in the form DD/MM/YYYY"})
				continue
			}
			t = t.Add(d.shift)
			*d.into = &t
		}
		if len(bad.fields) > 0 {
			bad.detail = "The request does not match the API's schema; see errors."
			return nil, bad
		}
		if f.From != nil && f.Until != nil && !f.From.Before(*f.Until) {
			bad.detail = "startTime is after endTime."
			bad.fields = []gen.FieldError{{Field: "endTime", Message: "is before startTime"}}
			return nil, bad
		}
		f.ClientID, f.Action, f.Category = nonEmpty(b.ClientId), nonEmpty((*string)(b.Action)), nonEmpty((*string)(b.Category))
		if b.ExportFormat != nil {
			format = *b.ExportFormat
		}
	}
	return auditReport{s: s, ctx: ctx, filter: f, json: format == gen.Json}, nil
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// auditReport streams the export straight from the database to the client, so a large trail never sits
// in memory whole.
type auditReport struct {
	s      *Server
	ctx    context.Context
	filter audit.Filter
	json   bool
}

var auditCSVHeader = []string{"id", "timestamp", "userId", "userEmail", "clientId", "method", "path", "status", "remoteAddress", "action", "category", "operation"}

// VisitExportAuditReportResponse implements gen.ExportAuditReportResponseObject.
func (r auditReport) VisitExportAuditReportResponse(w http.ResponseWriter) error {
	name := "audit-" + ids.Format(r.filter.OrganisationID)
	if r.json {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write([]byte("[")); err != nil {
			return err
		}
		first := true
		err := r.s.Audit.Export(r.ctx, r.filter, func(rec audit.Record) error {
			b, err := json.Marshal(auditOut(rec))
			if err != nil {
				return err
			}
			if !first {
				b = append([]byte(","), b...)
			}
			first = false
			_, err = w.Write(b)
			return err
		})
		if err != nil {
			return r.streamFailed(err)
		}
		_, err = w.Write([]byte("]\n"))
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	if err := cw.Write(auditCSVHeader); err != nil {
		return err
	}
	err := r.s.Audit.Export(r.ctx, r.filter, func(rec audit.Record) error {
		a := auditOut(rec)
		// Every text column is escaped, whoever wrote it: a spreadsheet must never read a cell as a
		// formula (CSV injection), whatever a client managed to get recorded.
		return cw.Write([]string{a.Id, a.Timestamp.Format(time.RFC3339Nano), deref(a.UserId), cell(deref(a.UserEmail)), cell(deref(a.ClientId)),
			cell(a.Method), cell(a.Path), strconv.Itoa(a.Status), cell(a.RemoteAddress), cell(string(a.Action)), cell(string(a.Category)), cell(a.Operation)})
	})
	cw.Flush()
	if err != nil {
		return r.streamFailed(err)
	}
	return cw.Error()
}

// streamFailed: the status is sent already, so the client sees a cut-off file; the log says why.
func (r auditReport) streamFailed(err error) error {
	loggerFrom(r.ctx, r.s.log).Error("audit export stopped", "error", err.Error())
	return nil
}

// cell keeps a spreadsheet from reading a value as a formula (CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func auditOut(r audit.Record) gen.AuditRecord {
	out := gen.AuditRecord{
		Id: ids.Format(r.ID), Timestamp: r.Time, UserEmail: r.UserEmail, ClientId: r.ClientID, Method: r.Method,
		Path: r.Path, Status: r.Status, RemoteAddress: r.RemoteAddress, Action: gen.AuditAction(r.Action), Category: gen.AuditCategory(r.Category), Operation: r.Operation,
	}
	if r.OrganisationID != nil {
		v := ids.Format(*r.OrganisationID)
		out.OrganisationId = &v
	}
	if r.UserID != nil {
		v := ids.Format(*r.UserID)
		out.UserId = &v
	}
	return out
}

// storableText makes what a client sent (a path, a user name) fit a text column.
func storableText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}
