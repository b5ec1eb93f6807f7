# loadreport in a small image, for running shards of a load run as a
# Kubernetes Indexed Job (deploy/kubernetes/loadtest-job.yaml).
#   make image            # or: docker build -t apiload/loadreport .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /loadreport ./cmd/loadreport

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /loadreport /loadreport
# The default file store lives in the user's cache directory; in a pod the
# store is Redis, from $APILOAD_STORE.
ENV XDG_CACHE_HOME=/tmp
ENTRYPOINT ["/loadreport"]
