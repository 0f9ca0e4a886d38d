package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // a variable name the error must name; "" for success
		check   func(t *testing.T, c Config)
	}{
		{"defaults", nil, "", func(t *testing.T, c Config) {
			if c.DatabaseURL != DefaultDatabaseURL || c.HTTPAddr != "127.0.0.1:8080" || c.Issuer != "http://127.0.0.1:8080" ||
				c.TrustedProxies != nil || c.MetricsAddr != "" || c.SigningKeyRotation != 0 {
				t.Errorf("%+v", c)
			}
		}},
		{"issuer follows the address", map[string]string{"ACCESS_HTTP_ADDR": "localhost:9000"}, "", func(t *testing.T, c Config) {
			if c.Issuer != "http://localhost:9000" {
				t.Errorf("issuer %s", c.Issuer)
			}
		}},
		{"issuer from an address without a host", map[string]string{"ACCESS_HTTP_ADDR": ":8080"}, "set ACCESS_ISSUER", nil},
		{"issuer from every interface", map[string]string{"ACCESS_HTTP_ADDR": "0.0.0.0:8080"}, "set ACCESS_ISSUER", nil},
		{"issuer of every IPv6 interface", map[string]string{"ACCESS_ISSUER": "http://[::]:8080"}, "ACCESS_ISSUER", nil},
		{"every interface with an issuer", map[string]string{"ACCESS_HTTP_ADDR": "0.0.0.0:8080", "ACCESS_ISSUER": "http://localhost:8080"}, "", func(t *testing.T, c Config) {
			if c.Issuer != "http://localhost:8080" {
				t.Errorf("issuer %s", c.Issuer)
			}
		}},
		{"trusted proxies", map[string]string{"ACCESS_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8,::ffff:172.16.0.0/108,::ffff:192.0.2.1"}, "", func(t *testing.T, c Config) {
			got := fmt.Sprint(c.TrustedProxies)
			if got != "[10.0.0.0/8 192.168.1.7/32 ::1/128 fd00::/8 172.16.0.0/12 192.0.2.1/32]" {
				t.Errorf("proxies %s", got)
			}
		}},
		{"trusted proxy that is no address", map[string]string{"ACCESS_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, "ACCESS_TRUSTED_PROXIES", nil},
		{"metrics address", map[string]string{"ACCESS_METRICS_ADDR": "127.0.0.1:9090"}, "", func(t *testing.T, c Config) {
			if c.MetricsAddr != "127.0.0.1:9090" {
				t.Errorf("metrics %q", c.MetricsAddr)
			}
		}},
		{"metrics address without a port", map[string]string{"ACCESS_METRICS_ADDR": "127.0.0.1"}, "ACCESS_METRICS_ADDR", nil},
		{"metrics on the API's address", map[string]string{"ACCESS_METRICS_ADDR": "127.0.0.1:8080"}, "ACCESS_METRICS_ADDR", nil},
		{"key rotation", map[string]string{"ACCESS_SIGNING_KEY_ROTATION": "720h"}, "", func(t *testing.T, c Config) {
			if c.SigningKeyRotation != 720*time.Hour {
				t.Errorf("rotation %s", c.SigningKeyRotation)
			}
		}},
		{"key rotation too often", map[string]string{"ACCESS_SIGNING_KEY_ROTATION": "5m"}, "ACCESS_SIGNING_KEY_ROTATION", nil},
		{"key rotation not a duration", map[string]string{"ACCESS_SIGNING_KEY_ROTATION": "30d"}, "ACCESS_SIGNING_KEY_ROTATION", nil},
		{"issuer loses its trailing slash", map[string]string{"ACCESS_ISSUER": "https://access.xy-company.com/"}, "", func(t *testing.T, c Config) {
			if c.Issuer != "https://access.xy-company.com" {
				t.Errorf("issuer %s", c.Issuer)
			}
		}},
		{"postgres URL", map[string]string{"ACCESS_DATABASE_URL": "postgres://u:p@db:5432/access?sslmode=disable"}, "", nil},
		{"postgresql URL", map[string]string{"ACCESS_DATABASE_URL": "postgresql://db/access"}, "", nil},
		{"unknown database scheme", map[string]string{"ACCESS_DATABASE_URL": "mysql://db"}, "ACCESS_DATABASE_URL", nil},
		{"sqlite without a path", map[string]string{"ACCESS_DATABASE_URL": "sqlite:"}, "ACCESS_DATABASE_URL", nil},
		{"postgres without a host", map[string]string{"ACCESS_DATABASE_URL": "postgres://"}, "ACCESS_DATABASE_URL", nil},
		{"address without a port", map[string]string{"ACCESS_HTTP_ADDR": "localhost"}, "ACCESS_HTTP_ADDR", nil},
		{"relative issuer", map[string]string{"ACCESS_ISSUER": "/access"}, "ACCESS_ISSUER", nil},
		{"SMTP URL of another scheme", map[string]string{"ACCESS_SMTP_URL": "http://mail"}, "ACCESS_SMTP_URL", nil},
		{"admin email without password", map[string]string{"ACCESS_BOOTSTRAP_ADMIN_EMAIL": "a@b.example"}, "ACCESS_BOOTSTRAP_ADMIN_PASSWORD", nil},
		{"client secret without id", map[string]string{"ACCESS_BOOTSTRAP_CLIENT_SECRET": strings.Repeat("s", 32)}, "ACCESS_BOOTSTRAP_CLIENT_ID", nil},
		{"client secret shorter than 32 characters", map[string]string{"ACCESS_BOOTSTRAP_CLIENT_ID": "cli", "ACCESS_BOOTSTRAP_CLIENT_SECRET": strings.Repeat("s", 31)}, "ACCESS_BOOTSTRAP_CLIENT_SECRET", nil},
		{"client secret of 32 characters", map[string]string{"ACCESS_BOOTSTRAP_CLIENT_ID": "cli", "ACCESS_BOOTSTRAP_CLIENT_SECRET": strings.Repeat("é", 32)}, "", func(t *testing.T, c Config) {
			if c.BootstrapClientID != "cli" || c.BootstrapClientSecret != strings.Repeat("é", 32) {
				t.Errorf("%+v", c)
			}
		}},
		{"service URLs", map[string]string{"ACCESS_CONTENT_SERVICE_URL": "https://content.example.com/cs", "ACCESS_WEBAPP_URL": " http://127.0.0.1:3000 "}, "", func(t *testing.T, c Config) {
			if c.ContentServiceURL != "https://content.example.com/cs" || c.WebappURL != "http://127.0.0.1:3000" {
				t.Errorf("%+v", c)
			}
		}},
		{"relative content service URL", map[string]string{"ACCESS_CONTENT_SERVICE_URL": "content.example.com"}, "ACCESS_CONTENT_SERVICE_URL", nil},
		{"content service URL of another scheme", map[string]string{"ACCESS_CONTENT_SERVICE_URL": "ftp://content.example.com"}, "ACCESS_CONTENT_SERVICE_URL", nil},
		{"web app URL without a host", map[string]string{"ACCESS_WEBAPP_URL": "https://"}, "ACCESS_WEBAPP_URL", nil},
		{"blank values count as unset", map[string]string{"ACCESS_HTTP_ADDR": "  "}, "", func(t *testing.T, c Config) {
			if c.HTTPAddr != "127.0.0.1:8080" {
				t.Errorf("addr %q", c.HTTPAddr)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}
