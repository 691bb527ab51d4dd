provider "aws" {
  region = "eu-central-1"
}

resource "aws_s3_bucket" "customers_eu" {
  bucket = "customers-eu"
  tags = {
    data = "customer"
  }
}

resource "aws_db_instance" "customers_us" {
  identifier     = "customers-us"
  engine         = "postgres"
  instance_class = "db.m6g.large"
  region         = "us-east-1"
  tags = {
    data = "customer"
  }
}

resource "azurerm_storage_account" "customers_unknown" {
  name                     = "customersx"
  location                 = var.location
  resource_group_name      = "rg"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  tags = {
    data = "customer"
  }
}

resource "aws_s3_bucket" "public_assets" {
  bucket = "public-assets"
  region = "us-east-1"
}
