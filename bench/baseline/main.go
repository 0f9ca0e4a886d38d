// Command baseline is the benchmarks' yardstick: the least a server can do for the same indexed read
// the service does: plain net/http and a pgx pool, no authentication, no validation, no logging. It
// answers GET /{id} with the row of -table whose primary key is id, as JSON. With -static FILE it also
// answers GET /static/ with that file's bytes, as the least a server can do to send a given answer (the
// ceiling of the service's no-read path, whose answer is several kilobytes).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	dbURL := flag.String("db", os.Getenv("ACCESS_DATABASE_URL"), "PostgreSQL URL")
	table := flag.String("table", "client_apps", "table to read by its primary key id")
	static := flag.String("static", "", "a file whose bytes GET /static/ answers")
	flag.Parse()
	// SIGTERM and SIGINT end the process normally, so a tool that measures it (valgrind, for
	// bench/instructions.sh) writes its results.
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
		<-c
		os.Exit(0)
	}()
	if *static != "" {
		body, err := os.ReadFile(*static)
		if err != nil {
			log.Fatal(err)
		}
		http.HandleFunc("GET /static/", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})
	}
	if strings.ContainsAny(*table, " ;\"'") {
		log.Fatalf("-table: %q is not a plain table name", *table)
	}
	pool, err := pgxpool.New(context.Background(), *dbURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	query := fmt.Sprintf("SELECT row_to_json(t)::text FROM %s t WHERE id = $1", *table)
	http.HandleFunc("GET /{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		var row string
		err = pool.QueryRow(r.Context(), query, id).Scan(&row)
		switch {
		case err == pgx.ErrNoRows:
			http.NotFound(w, r)
		case err != nil:
			http.Error(w, "database error", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(row))
		}
	})
	log.Printf("baseline on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
