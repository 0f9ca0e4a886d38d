package httpapi

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
)

// The bulk import's bounds (importMembers in the spec).
const (
	MaxImportRows  = 10_000
	MaxImportBytes = 4 << 20
)

// importColumns are the CSV columns the import knows.
var importColumns = map[string]bool{"email": true, "firstName": true, "lastName": true, "role": true, "isOrgAdmin": true, "planId": true}

// importRow is one data row, checked: what AddMember is given.
type importRow struct {
	line       int
	email      string
	role       organisation.Role
	isOrgAdmin bool
	planID     *int64
	// firstName and lastName fill in what the account lacks ("" when the file gives none).
	firstName, lastName string
}

// ImportMembers implements gen.StrictServerInterface. The CSV is read record by record from the file
// part as it arrives; every row is checked (and kept, parsed: at most MaxImportRows small values) before
// anyone is added, so a file that is not CSV, has no email column or too many rows adds nobody. Then
// each valid row is added as AddMember adds one member.
func (s *Server) ImportMembers(ctx context.Context, req gen.ImportMembersRequestObject) (gen.ImportMembersResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	part, err := importFilePart(req.Body)
	if err != nil {
		return nil, err
	}
	rows, report, err := parseImport(part)
	if err != nil {
		return nil, err
	}
	// The request's deadline (RequestTimeout) is for one operation's worth of work; an import does up to
	// 10,000 additions, each a transaction of its own, and gets s.ImportTimeout for all of them, whatever
	// its size: how fast rows go depends on the machine's load more than on the file (measured: 1.6 ms a
	// row idle, several times that on a busy machine).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.ImportTimeout)
	defer cancel()
	for _, r := range rows {
		m, err := s.Orgs.AddMemberNamed(ctx, c.orgID, r.email, organisation.Names{First: r.firstName, Last: r.lastName}, r.role, r.isOrgAdmin, r.planID)
		if err != nil && ctx.Err() != nil {
			// The deadline passed: the rows before this one are added, this one and the rest are not.
			return nil, errs.New(errs.Unavailable, "Import stopped", fmt.Sprintf(
				"the import took more than %v and stopped at line %d; the rows before it were added: import the file again to add the rest", s.ImportTimeout, r.line))
		}
		switch {
		case err == nil:
			report.Added++
			s.auditImported(ctx, c.orgID, m)
			if err := s.fillInNames(ctx, m.User, r.firstName, r.lastName); err != nil {
				if ctx.Err() != nil {
					return nil, errs.New(errs.Unavailable, "Import stopped", fmt.Sprintf(
						"the import took more than %v and stopped at line %d, which was added without the file's names; the rows before it were added: import the file again to add the rest", s.ImportTimeout, r.line))
				}
				return nil, err
			}
		case errors.Is(err, organisation.ErrAlreadyMember):
			report.AlreadyMembers++
		default:
			if _, ok := errs.As(err); !ok {
				return nil, err // the database's trouble, not the row's
			}
			report.Errors = append(report.Errors, fmt.Sprintf("line %d: %s", r.line, err.Error()))
		}
	}
	return gen.ImportMembers200JSONResponse(report), nil
}

// fillInNames gives an added member's account the file's first and last name where it has none (a
// new account has neither); a name the account already has is its owner's, never overwritten.
func (s *Server) fillInNames(ctx context.Context, u user.User, first, last string) error {
	p := user.Profile{FirstName: u.FirstName, LastName: u.LastName, OtherName: u.OtherName, MobileNumber: u.MobileNumber}
	changed := false
	if p.FirstName == nil && first != "" {
		p.FirstName, changed = &first, true
	}
	if p.LastName == nil && last != "" {
		p.LastName, changed = &last, true
	}
	if !changed {
		return nil
	}
	_, err := s.Users.UpdateProfile(ctx, u.ID, p)
	return err
}

// DefaultImportTimeout is an import's deadline: inside the server's 60 s write timeout
// (cmd/access-service), with room to write the answer.
const DefaultImportTimeout = 50 * time.Second

// importFilePart finds the part named file.
func importFilePart(mr *multipart.Reader) (io.Reader, error) {
	if mr == nil {
		return nil, badImport("the request has no file part")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badImport("the request has no file part")
		}
		if err != nil {
			return nil, importReadError(err)
		}
		if p.FormName() == "file" {
			return p, nil
		}
	}
}

// parseImport reads the CSV: the rows to add, and the report holding the rows already refused.
func parseImport(in io.Reader) ([]importRow, gen.ImportReport, error) {
	report := gen.ImportReport{Errors: []string{}}
	r := csv.NewReader(in)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // a row with the wrong number of fields is that row's error, not the file's
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, report, badImport("the file is empty: it needs a header row with an email column")
	}
	if err != nil {
		return nil, report, importReadError(err)
	}
	col := map[string]int{}
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF") // a byte order mark, as spreadsheets write
		}
		name = strings.TrimSpace(name)
		if !importColumns[name] {
			return nil, report, badImport(fmt.Sprintf("unknown column %q; the columns are email, firstName, lastName, role, isOrgAdmin and planId", name))
		}
		if _, dup := col[name]; dup {
			return nil, report, badImport(fmt.Sprintf("the column %q appears twice", name))
		}
		col[name] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, report, badImport("the file has no email column")
	}
	width := len(header)
	var rows []importRow
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, report, importReadError(err)
		}
		if n == MaxImportRows {
			return nil, report, badImport(fmt.Sprintf("the file has more than %d rows", MaxImportRows))
		}
		line, _ := r.FieldPos(0)
		if len(rec) != width {
			report.Errors = append(report.Errors, fmt.Sprintf("line %d: %d fields, but the header has %d", line, len(rec), width))
			continue
		}
		row, why := importRowOf(rec, col)
		if why != "" {
			report.Errors = append(report.Errors, fmt.Sprintf("line %d: %s", line, why))
			continue
		}
		row.line = line
		rows = append(rows, row)
	}
	return rows, report, nil
}

// importRowOf checks one record, answering the row or why it is refused.
func importRowOf(rec []string, col map[string]int) (importRow, string) {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	email, err := user.NormalizeEmail(get("email"))
	if err != nil {
		return importRow{}, err.Error()
	}
	row := importRow{email: email, role: organisation.RoleCollaborator}
	switch v := get("role"); v {
	case "":
	case string(organisation.RoleOriginator), string(organisation.RoleCollaborator):
		row.role = organisation.Role(v)
	default:
		return importRow{}, "role must be Originator or Collaborator"
	}
	switch v := get("isOrgAdmin"); v {
	case "", "false":
	case "true":
		row.isOrgAdmin = true
	default:
		return importRow{}, "isOrgAdmin must be true or false"
	}
	if v := get("planId"); v != "" {
		id, err := ids.Parse(v)
		if err != nil {
			return importRow{}, "planId is not an id"
		}
		if row.role != organisation.RoleOriginator {
			return importRow{}, organisation.ErrPlanForbidden.Error()
		}
		row.planID = &id
	}
	for _, name := range []string{"firstName", "lastName"} {
		if strings.ContainsFunc(get(name), unicode.IsControl) {
			return importRow{}, user.ErrControlCharacter.Error()
		}
	}
	row.firstName, row.lastName = get("firstName"), get("lastName")
	return row, ""
}

func badImport(detail string) error { return newProblem(http.StatusBadRequest, detail) }

// importReadError: a body over the limit is 413; anything else the file or the form is not well formed.
func importReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return badImport("the file is not CSV: " + pe.Error())
	}
	return badImport("the multipart body is malformed")
}

// auditImported records an imported member in the organisation's trail as a single addMember is
// recorded (POST, 200, the caller's identity and address), its path naming the member added; the
// auditTrail step records the import request itself. Like that step, a record that cannot be queued
// is logged and never changes the answer.
func (s *Server) auditImported(ctx context.Context, orgID int64, m organisation.Member) {
	rec := audit.Record{
		OrganisationID: &orgID, Method: http.MethodPost, Status: http.StatusOK,
		Path:   organisationsPrefix + ids.Format(orgID) + "/users/" + ids.Format(m.User.ID),
		Action: audit.ActionCreated, Category: audit.CategoryUsers, Operation: "addMember",
	}
	if st := stateFrom(ctx); st != nil {
		rec.RemoteAddress = st.remote
		if v, ok := st.verified(); ok {
			p := *v
			rec.UserID, rec.UserEmail, rec.ClientID = &p.UserID, &p.Email, &p.ClientID
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWait)
	defer cancel()
	if err := s.Audit.Add(actx, rec); err != nil {
		loggerFrom(ctx, s.log).Error("audit record not written", "error", err.Error(), "path", rec.Path, "status", rec.Status)
	}
}
