provider "aws" {
  region = "eu-west-1"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "google_compute_instance" "stray" {
  name         = "stray"
  machine_type = "e2-small"
  zone         = "europe-west1-b"
}

resource "random_id" "suffix" {
  byte_length = 4
}
