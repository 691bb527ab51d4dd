resource "aws_instance" "a" {
  instance_type = "m7g.large"
}

resource "aws_instance" "b" {
  instance_type = "m7g.large"
}

resource "aws_eks_cluster" "c" {
  name     = "c"
  role_arn = "arn:aws:iam::123456789012:role/eks"
}

resource "azurerm_linux_virtual_machine" "d" {
  name                = "d"
  location            = "westeurope"
  resource_group_name = "rg"
  size                = "Standard_D2s_v5"
}

resource "aws_s3_bucket" "not_compute" {
  bucket = "x"
}
