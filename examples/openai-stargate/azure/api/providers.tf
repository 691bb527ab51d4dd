terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
  backend "azurerm" {
    resource_group_name  = "rg-tfstate"
    storage_account_name = "openaitfstate"
    container_name       = "tfstate"
    key                  = "api.tfstate"
  }
}

provider "azurerm" {
  features {}
}
