pub mod openssl;
